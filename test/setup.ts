// fast-check runs from a fixed seed by default, so CI is reproducible (a failure prints its
// seed and path). FC_SEED=<n> reproduces another run; FC_SEED=random explores new cases.
import fc from "fast-check";

const env = process.env.FC_SEED;
if (env !== "random") {
  const seed = env === undefined ? 20261129 : Number(env);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got '${env}'`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
