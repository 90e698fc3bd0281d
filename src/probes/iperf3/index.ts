/** iperf3 clients as flows: run one inside a lab node, get typed intervals and totals. */
export * from './types.js';
export { classifyIperf3Error, Iperf3ParseError, parseIperf3Json, type Iperf3ErrorKind } from './parse.js';
export { checkClientOptions, clientArgv, tcpBlockBytes, DEFAULT_BITRATE, DEFAULT_INTERVAL_S, DEFAULT_PORT, DEFAULT_TIME_S, Iperf3Error, parseBitrate, runIperf3, type Iperf3ClientOptions } from './client.js';
