#!/usr/bin/env node
console.error("vigil: not built yet");
process.exit(1);
