'use strict'
// medrec: stand-in for go-ipfs (see package.json). Nothing here spawns kubo.
module.exports.path = function path () {
  throw new Error('go-ipfs: no kubo binary in this install (medrec vendor/go-ipfs-placeholder); the ceramic daemon must be given an in-process IPFS (test/support/ceramic/inject-memory-ipfs)')
}
