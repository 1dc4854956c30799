'use strict'
/**
 * Post-build step of `npm run build`: tsc emits no `.cjs` files, so the plain-JavaScript helpers of the Ceramic
 * daemon launcher (cli/src/ceramic/*.cjs: the daemon's preload, the in-process IPFS stand-in, its block files) are
 * copied next to the compiled launcher in cli/dist/cli/src/ceramic/, which then needs nothing from the sources.
 * (The launcher also falls back to the source folder: cli/src/ceramic/assets.ts.) An argument names another target
 * folder, relative to cli/ (the @medrec/cli package build: `dist/cli/src/ceramic`).
 */
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..', '..')
const from = path.join(root, 'cli', 'src', 'ceramic')
const to = process.argv[2] ? path.resolve(root, 'cli', process.argv[2]) : path.join(root, 'cli', 'dist', 'cli', 'src', 'ceramic')
fs.mkdirSync(to, { recursive: true })
for (const name of fs.readdirSync(from).filter((file) => file.endsWith('.cjs'))) {
  fs.copyFileSync(path.join(from, name), path.join(to, name))
}
