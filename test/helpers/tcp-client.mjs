// Connects, prints what the server says (the address it saw us from), exits 0; non-zero on failure.
import net from 'node:net';
const c = net.connect(Number(process.argv[3]), process.argv[2]);
let data = '';
c.on('data', (d) => (data += d));
c.on('end', () => {
  process.stdout.write(data);
  process.exit(0);
});
c.on('error', (e) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
setTimeout(() => {
  process.stderr.write('timeout\n');
  process.exit(2);
}, 5000).unref();
