/** An N-host star topology (one switch node with a Linux bridge), as YAML text. */
export function starTopology(name: string, hosts: number): string {
  const lines = [`name: ${name}`, 'nodes:', '  sw:', '    bridges:', `      br0: { ports: [${Array.from({ length: hosts }, (_, i) => `p${i + 1}`).join(', ')}] }`];
  for (let i = 1; i <= hosts; i++) lines.push(`  h${i}: { interfaces: { eth0: ${hostAddress(i)}/16 } }`);
  lines.push('links:');
  for (let i = 1; i <= hosts; i++) lines.push(`  - [h${i}:eth0, sw:p${i}]`);
  return lines.join('\n') + '\n';
}

export function hostAddress(i: number): string {
  return `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}
