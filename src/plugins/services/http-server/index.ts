/**
 * An HTTP server in a node (the documents' apache2, for http flows and http_ping monitors):
 * halab's vnf-httpd agent on a port, answering every GET with the node's name, so a client or
 * a monitor sees who served it. `process-kill NODE:vnf-httpd` stops it and nothing else.
 *
 *   services:
 *     http-server: { port: 8000 }     # default 80
 */
import type { RunNode, ServiceKind } from '../../types.js';
import { agentAction, agentFiles, agentRunning } from '../agent.js';
import { tcpListeners } from '../iperf3/index.js';

export interface HttpServerOptions {
  port?: number;
}
const DEFAULT_PORT = 80;
const files = (node: { dir: string }) => agentFiles(node, 'http-server', 'vnf-httpd');
const portOf = (spec: { options: Record<string, unknown> }) => (spec.options as HttpServerOptions).port ?? DEFAULT_PORT;

async function listening(node: RunNode, port: number): Promise<boolean> {
  return (await tcpListeners(node.ns)).some((l) => l.port === port && l.programs.includes('vnf-httpd'));
}

export const httpServer: ServiceKind = {
  kind: 'http-server',
  summary: 'an HTTP server answering every GET with the node name (for http flows and http_ping monitors)',
  schema: { type: ['object', 'null'], properties: { port: { type: 'integer', minimum: 1, maximum: 65535 } }, additionalProperties: false },
  requires: [{ program: 'ss', pkg: 'iproute2' }],
  check() {},

  plan(node, spec) {
    const port = portOf(spec);
    return [
      agentAction({ id: `http-server:${node.name}`, node, spec, what: `HTTP server in ${node.name} on port ${port}`, program: 'vnf-httpd', files: files(node), config: null, args: ['--name', node.name, '--port', String(port)] }),
    ];
  },

  async ready(node, spec) {
    const port = portOf(spec);
    if (await listening(node, port)) return { ready: true, detail: `listening on ${port}` };
    return { ready: false, detail: agentRunning(files(node)) ? `not listening on ${port} yet` : `vnf-httpd has exited (see ${files(node).log})` };
  },

  async status(node, spec) {
    const port = portOf(spec);
    const up = await listening(node, port);
    return { summary: up ? `http server on ${port}` : `http server on ${port}: NOT listening`, data: { port, listening: up } };
  },

  logs: (node) => [files(node).log],
};
