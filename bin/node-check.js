// Plain JavaScript that even old Node versions can parse: it runs before anything written in TypeScript.

/** The oldest Node major version that runs the TypeScript sources directly (type stripping on by default). */
export const REQUIRED_NODE_MAJOR = 24;

/**
 * One line saying what to do when `version` (as in process.versions.node, e.g. "20.20.2") is too old to run
 * esp-sync, or null when it is new enough.
 */
export function nodeVersionProblem(version) {
  const major = Number(String(version).replace(/^v/, '').split('.')[0]);
  if (Number.isInteger(major) && major >= REQUIRED_NODE_MAJOR) return null;
  return (
    `esp-sync needs Node.js ${REQUIRED_NODE_MAJOR} or newer, but this shell runs node ${version}: ` +
    `run \`. scripts/use-node24.sh\` in the project folder (once per new shell) or install Node.js ${REQUIRED_NODE_MAJOR}.`
  );
}
