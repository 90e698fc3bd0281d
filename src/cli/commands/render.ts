import { formatDiagnostic, UsageError } from '../../errors.js';
import { expand } from '../../pipeline/expand.js';
import { loadTopology } from '../../pipeline/validate.js';
import { parseImageOptions } from '../../runtime/containerlab/images.js';
import { clabYaml, filesDirFor, hostFiles, writeRender } from '../../runtime/containerlab/output.js';
import { renderContainerlab } from '../../runtime/containerlab/render.js';

export interface RenderCliOptions {
  to: string;
  output?: string;
  name?: string;
  image?: string[];
}

/** `halab render TOPOLOGY --to containerlab [-o FILE]`: warnings on stderr as FILE:LINE:COL: path: warning: ... */
export function renderCommand(file: string, opts: RenderCliOptions): void {
  if (opts.to !== 'containerlab') throw new UsageError(`--to '${opts.to}': the only target is containerlab`);
  const images = parseImageOptions(opts.image ?? []);
  if (!images.ok) throw new UsageError(`--image '${images.bad}' must be KEY=IMAGE (KEY: a node name, a service such as frr, or a node kind: host, router)`);
  const lab = expand(loadTopology(file), opts.name);
  const out = opts.output;
  const r = renderContainerlab(lab, { images: images.images, ...(out ? { filesDir: filesDirFor(out) } : {}) });
  for (const w of r.warnings) console.error(formatDiagnostic({ ...w, message: `warning: ${w.message}` }));
  if (out) {
    for (const p of writeRender(r, out)) console.log(`wrote ${p}`);
    return;
  }
  const names = hostFiles(r, `${lab.name}.clab.yml`);
  process.stdout.write(r.hosts.map((h, i) => clabYaml(h, r, names[i]!)).join('---\n'));
  const hostCmds = r.hosts.some((h) => h.commands.create.length);
  if (r.files.length || hostCmds)
    console.error(`halab: ${[r.files.length ? `${r.files.length} generated file(s)` : '', hostCmds ? 'the host commands that create the bridges' : ''].filter(Boolean).join(' and ')} are written only with -o FILE`);
}
