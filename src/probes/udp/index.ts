/** UDP probe flows: sequence-numbered packets at a fixed rate, failover gaps with ms resolution. */
export * from './format.js';
export { analyzeFlow, type FlowInput, type FlowStats, type LossWindow } from './analyze.js';
export { checkProbeOptions, DEFAULT_DURATION_S, DEFAULT_PORT, DEFAULT_RATE_HZ, MAX_RATE_HZ, ProbeError, runProbe, sourceAddressToward, type AgentInfo, type ProbeEndpoint, type ProbeFault, type ProbeFlow, type ProbeOptions, type ProbeResult } from './run.js';
