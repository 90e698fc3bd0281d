/**
 * The host commands as a shell script a person runs around containerlab: containerlab does not
 * create the bridges its `bridge` / `ovs-bridge` nodes attach to, nor set VLAN tags on OVS ports.
 * Every word is quoted with the repo's shell quoting (names come from topology files).
 */
import { shellJoin, shellQuote } from '../../util/shell.js';
import type { HostRender } from './types.js';

export function hostScript(h: HostRender, clabFile: string): string {
  const { create, ports, remove } = h.commands;
  const block = (cmds: string[][]) => (cmds.length ? cmds.map((c) => `    ${shellJoin(c)}`).join('\n') : '    :');
  const t = shellQuote(clabFile);
  return [
    '#!/bin/sh',
    `# Host commands for containerlab lab ${h.doc.name}${h.host ? ` on host ${h.host} (${h.address})` : ''}, written by halab.`,
    '# containerlab does not create the bridges its bridge and ovs-bridge nodes attach to. Run:',
    `#   sh ${shellQuote(scriptName(clabFile))} create && containerlab deploy -t ${t} && sh ${shellQuote(scriptName(clabFile))} ports`,
    `#   containerlab destroy -t ${t} && sh ${shellQuote(scriptName(clabFile))} remove`,
    'set -e',
    'case "$1" in',
    '  create)   # before deploy: bridges, and OVS patch, internal and VXLAN ports',
    block(create),
    '    ;;',
    '  ports)    # after deploy: VLAN tags and trunks on the OVS ports containerlab attached',
    block(ports),
    '    ;;',
    '  remove)   # after destroy',
    // Removing goes on past what is already gone.
    remove.length ? remove.map((c) => `    ${shellJoin(c)} || true`).join('\n') : '    :',
    '    ;;',
    '  *)',
    '    echo "usage: $0 create|ports|remove" >&2',
    '    exit 2',
    '    ;;',
    'esac',
    '',
  ].join('\n');
}

/** `out/lab.clab.yml` -> `out/lab.host-commands.sh`. */
export function scriptName(clabFile: string): string {
  return `${stem(clabFile)}.host-commands.sh`;
}

/** A .clab.yml path without its extension (`.clab.yml`, `.clab.yaml`, `.yml`, `.yaml`). */
export function stem(file: string): string {
  return file.replace(/(\.clab)?\.ya?ml$/, '');
}
