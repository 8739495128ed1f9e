// Setup file of the broken-variant run: caps each fast-check property at 3 s. A broken variant
// that fails a property with a large counterexample (200 keys) would otherwise spend most of
// the self-test shrinking it. An interrupted property that found no failure counts as passed,
// so the cap can only keep the suite from catching a variant (failing the self-test), never
// make it catch one it would not.
import fc from "fast-check";

fc.configureGlobal({ ...fc.readConfigureGlobal(), interruptAfterTimeLimit: 3_000 });
