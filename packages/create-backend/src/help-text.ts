import { TEMPLATES } from "./template-catalog.ts";

/** The `--help` output. */
export function helpText(capabilityNames: readonly string[]): string {
  const templates = Object.entries(TEMPLATES)
    .map(([name, info]) => `    ${name.padEnd(8)} ${info.hint}`)
    .join("\n");
  return `Scaffold a kvkit backend plugin whose conformance tests pass on the first run.

Usage:
  npm create @kvkit/backend@latest [directory] -- [options]
  pnpm create @kvkit/backend [directory] [options]
  yarn create @kvkit/backend [directory] [options]

Options (every prompt has one; without a terminal, a missing answer is an error):
  -n, --name <package>          npm package name (default: the directory's name)
  -d, --description <text>      package description
  -t, --template <name>         memory (default), blank or remote
${templates}
  -c, --capabilities <list>     comma-separated: ${capabilityNames.join(", ")} (kv is always in)
      --pm <npm|pnpm|yarn>      package manager (default: the one running this)
      --git / --no-git          run git init (default: yes, unless inside a repository)
      --install / --no-install  install dependencies (default: yes)
  -y, --yes                     take the defaults for every answer not given
      --no-interactive          never prompt, even in a terminal
      --merge                   allow a non-empty directory: add only missing files
      --force                   allow a non-empty directory: also overwrite colliding files
      --dry-run                 print what would be written; write nothing
      --standalone              inside the kvkit repository, do not join its workspace
  -h, --help                    show this help
  -v, --version                 show the version

Files are never deleted. Exit codes: 0 done, 1 failed, 2 usage error or missing answer,
3 directory not empty, 130 cancelled.
`;
}
