// Removes dist/ before a build, so that a module moved or deleted in src/ cannot live on in dist/.
const fs = require('node:fs');
const path = require('node:path');
fs.rmSync(path.join(__dirname, '..', 'dist'), { recursive: true, force: true });
