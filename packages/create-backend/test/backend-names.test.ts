import { describe, expect, it } from "vitest";
import { backendNames, packageNameProblems, suggestPackageName } from "../src/backend-names.ts";

describe("backendNames", () => {
  it("backendNames() derives the id, class, options type and scheme from a scoped name", () => {
    expect(backendNames("@acme/kvkit-backend-blob-store")).toEqual({
      packageName: "@acme/kvkit-backend-blob-store",
      id: "blob-store",
      className: "BlobStoreBackend",
      optionsName: "BlobStoreBackendOptions",
      scheme: "blob-store",
    });
  });

  it("backendNames() keeps a name without the backend affixes whole", () => {
    expect(backendNames("my-store")).toMatchObject({ id: "my-store", className: "MyStoreBackend" });
    expect(backendNames("s3-kvkit-backend")).toMatchObject({ id: "s3", className: "S3Backend" });
  });

  it("backendNames() makes identifiers and schemes start with a letter", () => {
    expect(backendNames("9lives")).toMatchObject({
      className: "Kv9livesBackend",
      scheme: "kv-9lives",
    });
  });

  it.each(["My-Store", "has space", ".hidden", "", "a/b/c", "node_modules"])(
    "backendNames() rejects %j with a usage error",
    (name) => {
      expect(() => backendNames(name)).toThrow(expect.objectContaining({ exitCode: 2 }));
    },
  );
});

describe("packageNameProblems", () => {
  it("packageNameProblems() lists npm's reasons for an invalid name", () => {
    expect(packageNameProblems("My Store").join(" ")).toMatch(/capital|URL-friendly/);
    expect(packageNameProblems("@acme/ok")).toEqual([]);
  });
});

describe("suggestPackageName", () => {
  it("suggestPackageName() turns a directory name into a valid package name", () => {
    expect(suggestPackageName("My Cool Store")).toBe("my-cool-store");
    expect(suggestPackageName("_x")).toBe("x");
    expect(suggestPackageName("@Acme/Blob Store")).toBe("@acme/blob-store");
    expect(packageNameProblems(suggestPackageName("  ÜBER store!! "))).toEqual([]);
  });
});
