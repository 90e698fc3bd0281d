/** A plan as the shell commands a person would type (`halab plan`), and one step as one command. */
import type { Plan, Step } from '../model/plan.js';
import { shellJoin, shellQuote } from '../util/shell.js';

export function stepCommand(s: Step): string {
  switch (s.t) {
    case 'netns-add':
      return `ip netns add ${shellQuote(s.ns)}`;
    case 'netns-del':
      return `ip netns del ${shellQuote(s.ns)}`;
    case 'kill-ns':
      return `ip netns pids ${shellQuote(s.ns)} | xargs -r kill -9`;
    case 'ip':
      return shellJoin(['ip', ...(s.ns ? ['-n', s.ns] : []), ...s.args]);
    case 'sysctl':
      return shellJoin(['ip', 'netns', 'exec', s.ns, 'sysctl', '-w', `${s.key}=${s.value}`]);
    case 'ovs-vsctl':
      return shellJoin(['ovs-vsctl', `--db=unix:${s.db}`, ...s.args]);
    case 'exec': {
      const env = s.env ? ['env', ...Object.entries(s.env).map(([k, v]) => `${k}=${v}`)] : [];
      const cmd = shellJoin([...(s.ns ? ['ip', 'netns', 'exec', s.ns] : []), ...env, ...s.argv]);
      return s.retryMs ? `until ${cmd}; do sleep 0.1; done` : cmd;
    }
    case 'mkdir':
      return shellJoin(['mkdir', '-p', s.path]);
    case 'spawn':
      return `${shellJoin(['ip', 'netns', 'exec', s.ns, ...(s.env ? ['env', ...Object.entries(s.env).map(([k, v]) => `${k}=${v}`)] : []), ...s.argv])} > ${shellQuote(s.log)} 2>&1 & echo $! > ${shellQuote(s.pidfile)}`;
    case 'write':
      return `cat > ${shellQuote(s.path)} <<'EOF'\n${s.content.replace(/\n$/, '')}\nEOF`;
    case 'kill':
      return `kill $(cat ${shellQuote(s.pidfile)})`;
  }
}

export interface RenderOptions {
  /** Also print the teardown (`down`) commands. */
  teardown?: boolean;
}

export function renderPlan(p: Plan, opts: RenderOptions = {}): string {
  const lines: string[] = [`# halab plan for lab '${p.lab}': ${p.actions.length} actions`, '# (up runs these, batching ip commands per namespace; nothing has been changed)'];
  let phase = '';
  for (const a of p.actions) {
    if (a.phase !== phase) {
      phase = a.phase;
      lines.push('', `## ${phase}`);
    }
    lines.push(`# ${a.what}`);
    for (const s of a.do) lines.push(stepCommand(s));
  }
  if (opts.teardown) {
    lines.push('', '## teardown (halab down)');
    for (const a of [...p.actions].reverse()) {
      if (!a.undo.length) continue;
      lines.push(`# undo: ${a.what}`);
      for (const s of a.undo) lines.push(stepCommand(s));
    }
  }
  return lines.join('\n') + '\n';
}
