/** A location inside a YAML document: keys and sequence indexes from the root. */
export type Path = readonly (string | number)[];

/** `nodes.host1.interfaces[0]`; keys that are not plain identifiers are quoted. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
