/** Writing a render: the .clab.yml per host, its host-commands script, the generated files. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { formatDiagnostic } from '../../errors.js';
import { hostScript, scriptName, stem } from './host-commands.js';
import type { HostRender, RenderResult } from './types.js';

/** One host's .clab.yml text; `file` is where it goes (its host-commands script is named after it). */
export function clabYaml(h: HostRender, r: RenderResult, file: string): string {
  const head = [
    `# containerlab topology for halab lab ${r.lab}${h.host ? `, host ${h.host} (${h.address})` : ''}, written by halab render.`,
    `# The bridges come from the host commands: sh ${basename(scriptName(file))} create (see docs/containerlab.md).`,
    ...r.warnings.map((w) => `# warning: ${formatDiagnostic(w)}`),
  ];
  return `${head.join('\n')}\n${stringify(h.doc, { lineWidth: 0 })}`;
}

/** The file of each host: FILE itself for one host, FILE's stem + `.HOST.clab.yml` for several. */
export function hostFiles(r: RenderResult, file: string): string[] {
  return r.hosts.map((h) => (r.hosts.length === 1 ? file : `${stem(file)}.${h.host}.clab.yml`));
}

/** The folder of generated files for an output FILE (the renderer's filesDir, relative to it). */
export function filesDirFor(file: string): string {
  return `${basename(stem(file))}.files`;
}

/** Writes everything next to FILE; returns the paths written. */
export function writeRender(r: RenderResult, file: string): string[] {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  hostFiles(r, file).forEach((f, i) => {
    const h = r.hosts[i]!;
    writeFileSync(f, clabYaml(h, r, f));
    const script = scriptName(f);
    writeFileSync(script, hostScript(h, basename(f)));
    chmodSync(script, 0o755);
    written.push(f, script);
  });
  for (const g of r.files) {
    const p = join(dir, g.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, g.content);
    if (g.mode) chmodSync(p, g.mode);
    written.push(p);
  }
  return written;
}
