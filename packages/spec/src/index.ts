export { assertValidKey, assertValidKeyPattern } from "./assert-valid-key.ts";
export { assertValidTtl } from "./assert-valid-ttl.ts";
export { assertValidValue } from "./assert-valid-value.ts";
export { assertValidVersion } from "./assert-valid-version.ts";
export type {
  AtomicCommit,
  AtomicWriteCapability,
  CommitResult,
  CommitSet,
  Version,
  VersionCheck,
  VersionedValue,
} from "./atomic-write-capability.ts";
export type { Backend, CapabilityName, FullBackend, OptionalCapabilities } from "./backend.ts";
export { CAPABILITY_NAMES } from "./backend.ts";
export type { BackendPlugin } from "./backend-plugin.ts";
export type { BatchCapability, BatchEntry } from "./batch-capability.ts";
export { compareKeys } from "./compare-keys.ts";
export type { ConnectOptions } from "./connect.ts";
export { connect } from "./connect.ts";
export { describeType } from "./describe-type.ts";
export { AbortedError } from "./errors/aborted-error.ts";
export { BackendError, isBackendError } from "./errors/backend-error.ts";
export { ClosedError } from "./errors/closed-error.ts";
export { ConflictError } from "./errors/conflict-error.ts";
export { CorruptedError } from "./errors/corrupted-error.ts";
export type { ErrorCode } from "./errors/error-code.ts";
export { ERROR_CODES } from "./errors/error-code.ts";
export { InvalidCursorError } from "./errors/invalid-cursor-error.ts";
export { InvalidKeyError } from "./errors/invalid-key-error.ts";
export { InvalidOptionError } from "./errors/invalid-option-error.ts";
export { InvalidValueError } from "./errors/invalid-value-error.ts";
export { NotSupportedError } from "./errors/not-supported-error.ts";
export { OutcomeUnknownError } from "./errors/outcome-unknown-error.ts";
export { TimeoutError } from "./errors/timeout-error.ts";
export type { SizeLimit } from "./errors/too-large-error.ts";
export { TooLargeError } from "./errors/too-large-error.ts";
export { UnavailableError } from "./errors/unavailable-error.ts";
export { hasCapability, requireCapability } from "./has-capability.ts";
export type { HealthCapability, HealthReport, HealthStatus } from "./health-capability.ts";
export type { KvCapability, ListEntry, ListOptions } from "./kv-capability.ts";
export { ListCursor } from "./list-cursor.ts";
export type {
  CapabilityManifest,
  Durability,
  Limits,
  Manifest,
  WatchReach,
} from "./manifest.ts";
export type { OperationOptions, WriteOptions } from "./operation-options.ts";
export type { OptionSpec, OptionsSchema, OptionType } from "./options-schema.ts";
export { parseOptions } from "./parse-options.ts";
export { defaultRegistry, PluginRegistry, registerPlugin } from "./plugin-registry.ts";
export type { Resource } from "./resource.ts";
export { throwIfAborted } from "./throw-if-aborted.ts";
export type { TtlCapability } from "./ttl-capability.ts";
export { utf8ByteLength } from "./utf8-byte-length.ts";
export type { ValidCommit } from "./validate-commit.ts";
export { validateCommit } from "./validate-commit.ts";
export type {
  WatchCapability,
  WatchDeleteEvent,
  WatchEvent,
  WatchGapEvent,
  WatchOptions,
  WatchSetEvent,
  WatchStream,
} from "./watch-capability.ts";
export type { WatchEventQueueOptions } from "./watch-event-queue.ts";
export { WatchEventQueue } from "./watch-event-queue.ts";
