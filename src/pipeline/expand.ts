/**
 * Stage 3: a validated topology + a lab name -> a Lab: namespace names, kernel interface names,
 * run dirs, and which veth ends need tx checksum offload off. Deterministic: the same input
 * always gives the same names, so `plan`, `up`, `status` and `down` agree without talking.
 */
import { InputError, UsageError } from '../errors.js';
import type { Lab, LabIface, LabNode } from '../model/lab.js';
import { switchKinds } from '../plugins/switches/index.js';
import { kernelName, namespaceName, nameProblem } from '../util/names.js';
import type { Validated } from './validate.js';

export const DEFAULT_STATE_ROOT = '/run/halab';

export function stateRoot(): string {
  return process.env.HALAB_STATE_DIR || DEFAULT_STATE_ROOT;
}

export function labDir(lab: string): string {
  return `${stateRoot()}/${lab}`;
}

export function checkLabName(name: string): void {
  const p = nameProblem(name, 'lab');
  if (p) throw new UsageError(`bad lab name: ${p}`);
}

export function expand(v: Validated, labName?: string): Lab {
  const { topology, inventory } = v;
  const name = labName ?? topology.name;
  if (labName !== undefined) checkLabName(labName);
  const stateDir = labDir(name);

  const nodes: LabNode[] = topology.nodes.map((spec) => {
    const ifaces = new Map<string, LabIface>();
    for (const [ifName, origin] of inventory.get(spec.name) ?? []) {
      ifaces.set(ifName, { name: ifName, kname: kernelName(ifName), origin: origin.origin });
    }
    for (const cfg of spec.interfaces) {
      const li = ifaces.get(cfg.name);
      if (li) li.config = cfg;
    }
    for (const br of spec.bridges) {
      for (const p of br.ports) {
        const li = ifaces.get(p.name);
        if (li && li.origin === 'link') li.portOf = br.kind;
      }
    }
    return { name: spec.name, kind: spec.kind, ns: namespaceName(name, spec.name), dir: `${stateDir}/nodes/${spec.name}`, spec, ifaces };
  });

  const byName = new Map(nodes.map((n) => [n.name, n]));
  const lab: Lab = {
    name,
    topology,
    stateDir,
    nodes,
    node(n) {
      const found = byName.get(n);
      if (!found) throw new InputError([topology.src.diag([], `no node '${n}' in this lab`)]);
      return found;
    },
  };
  markTxOff(lab);
  return lab;
}

/** Veth ends on a userspace-datapath switch, and their peers, need tx checksum offload off; the ends on it are marked. */
function markTxOff(lab: Lab): void {
  const onUserspaceSwitch = (li: LabIface | undefined) => !!li?.portOf && !!switchKinds.get(li.portOf)?.needsTxOff;
  for (const l of lab.topology.links) {
    const [a, b] = l.endpoints.map((e) => lab.node(e.node).ifaces.get(e.iface));
    for (const x of [a, b]) if (x && onUserspaceSwitch(x)) x.userspacePort = true;
    if (onUserspaceSwitch(a) || onUserspaceSwitch(b)) {
      if (a) a.txOff = true;
      if (b) b.txOff = true;
    }
  }
}
