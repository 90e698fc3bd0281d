import { formatDiagnostic, UsageError } from '../../errors.js';
import { expand } from '../../pipeline/expand.js';
import { loadTopology } from '../../pipeline/validate.js';
import { clabUp } from '../../runtime/containerlab/driver.js';
import { parseImageOptions } from '../../runtime/containerlab/images.js';

/** `halab up FILE --runtime containerlab [--host H] [--image K=IMG...]`. */
export async function upContainerlab(file: string, opts: { name?: string; host?: string; image?: string[] }): Promise<void> {
  const images = parseImageOptions(opts.image ?? []);
  if (!images.ok) throw new UsageError(`--image '${images.bad}' must be KEY=IMAGE`);
  const lab = expand(loadTopology(file), opts.name);
  const { state } = await clabUp(lab, {
    topologyFile: file,
    images: images.images,
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    log: (l) => console.error(`halab: ${l}`),
    warn: (ws) => ws.forEach((w) => console.error(formatDiagnostic({ ...w, message: `warning: ${w.message}` }))),
  });
  console.log(`lab ${lab.name} is up on containerlab${state.host ? ` (host ${state.host})` : ''}: ${state.containers.length} containers, topology ${state.clabFile}`);
  console.log(`  halab status ${lab.name}    halab exec ${lab.name} NODE -- CMD    halab down ${lab.name}`);
}
