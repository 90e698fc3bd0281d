import type { ServiceKind } from '../types.js';
import { frr } from './frr/index.js';
import { keepalived } from './keepalived/index.js';
import { iperf3 } from './iperf3/index.js';
import { gobgp } from './gobgp/index.js';
import { spp } from './spp/index.js';
import { torController } from './tor-controller/index.js';
import { orchestrator } from './orchestrator/index.js';
import { sfc } from './sfc/index.js';
import { vnfServices } from './vnf/index.js';
import { utmHa } from './utm-ha/index.js';
import { httpServer } from './http-server/index.js';

export const serviceKinds: ReadonlyMap<string, ServiceKind> = new Map([frr, keepalived, gobgp, iperf3, spp, torController, orchestrator, sfc, utmHa, httpServer, ...vnfServices].map((k) => [k.kind, k]));
