export type { CliArguments, PackageManager, TemplateName } from "./cli-arguments.ts";
export { PACKAGE_MANAGERS, parseCliArguments, TEMPLATE_NAMES } from "./cli-arguments.ts";
export type { CliEnvironment } from "./run-cli.ts";
export { runCli } from "./run-cli.ts";
export type { ScaffoldOptions, ScaffoldResult } from "./scaffold.ts";
export { scaffold } from "./scaffold.ts";
export { UsageError } from "./usage-error.ts";
