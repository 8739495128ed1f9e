export { bytes } from "./bytes.ts";
export { collect } from "./collect.ts";
export type { ConformanceOptions, CreateContext } from "./conformance-options.ts";
export { HOSTILE_KEYS, LONE_SURROGATE_KEYS } from "./hostile-keys.ts";
export { ManualClock } from "./manual-clock.ts";
export { runConformanceSuite } from "./run-conformance-suite.ts";
export type { OpenedStore, PropertyParameters } from "./suite-context.ts";
export { SuiteContext } from "./suite-context.ts";
