// Accepts one TCP connection, answers with the peer address it saw, exits. Run inside a namespace.
import net from 'node:net';
const server = net.createServer((c) => {
  c.end(`${c.remoteAddress?.replace(/^::ffff:/, '')}\n`);
  server.close();
});
server.listen(Number(process.argv[2]), () => process.stdout.write('listening\n'));
setTimeout(() => process.exit(3), Number(process.argv[3] ?? 10000)).unref();
