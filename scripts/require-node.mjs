// Runs before `npm start` and `npm test` (plain JavaScript, so any Node can run it).
// The engine needs Node 24: slonik 49 does, and Node 24 runs the TypeScript sources directly.
// `npm install` puts Node 24 into node_modules/.bin, which npm scripts use; a bare `node`
// may be the system's older one. Fail loudly rather than later with an obscure error.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `\nThe booking engine needs Node 24 or newer, but ${process.execPath} is Node ${process.version}.\n` +
      'Run it through npm after "npm install" (npm start, npm test): npm then uses the Node 24\n' +
      'that the "node" dependency installs into node_modules/.bin. If that binary is missing, the\n' +
      'install ran with --ignore-scripts: run "npm rebuild node" or "npm install" again.\n\n',
  );
  process.exit(1);
}
