export { bytes } from "./bytes.ts";
export { collect } from "./collect.ts";
export type { ConformanceMeta } from "./conformance-meta.ts";
export type { ConformanceOptions, CreateContext } from "./conformance-options.ts";
export type { FaultProxyOptions, RequestFilter } from "./fault-proxy/fault-proxy.ts";
export { FaultProxy } from "./fault-proxy/fault-proxy.ts";
export { HOSTILE_KEYS, LONE_SURROGATE_KEYS } from "./hostile-keys.ts";
export type { KvHistoryReport } from "./linearizability/check-kv-history.ts";
export { checkKvHistory } from "./linearizability/check-kv-history.ts";
export type {
  CheckOptions,
  LinearizabilityResult,
  SequentialModel,
  TimedOperation,
} from "./linearizability/check-linearizability.ts";
export { checkLinearizability } from "./linearizability/check-linearizability.ts";
export type {
  RecordedKind,
  RecordedOperation,
  RecordedOutcome,
} from "./linearizability/history-recorder.ts";
export { HistoryRecorder, RecordingClient } from "./linearizability/history-recorder.ts";
export type {
  RegisterInput,
  RegisterOutput,
  RegisterState,
} from "./linearizability/register-model.ts";
export { registerModel } from "./linearizability/register-model.ts";
export { ManualClock } from "./manual-clock.ts";
export { runConformanceSuite } from "./run-conformance-suite.ts";
export type { OpenedStore, PropertyParameters } from "./suite-context.ts";
export { SuiteContext } from "./suite-context.ts";
