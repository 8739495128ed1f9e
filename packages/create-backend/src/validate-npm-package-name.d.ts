declare module "validate-npm-package-name" {
  interface Result {
    validForNewPackages: boolean;
    validForOldPackages: boolean;
    errors?: string[];
    warnings?: string[];
  }
  function validate(name: string): Result;
  // biome-ignore lint/style/noDefaultExport: the package's CommonJS export is its default.
  export default validate;
}
