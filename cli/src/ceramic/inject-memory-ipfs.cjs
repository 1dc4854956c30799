'use strict'
/**
 * Preloaded into the ceramic daemon process by the test harness (daemon.ts):
 *   node --require cli/src/ceramic/inject-memory-ipfs.cjs node_modules/@ceramicnetwork/cli/bin/ceramic.js daemon …
 *
 * Replaces the one function through which the unmodified CLI gets its IPFS node,
 * `IpfsConnectionFactory.buildIpfsConnection` (a kubo spawned through ipfsd-ctl / go-ipfs, or ipfs-http-client
 * to a remote node), with the in-process block layer of memory-ipfs.cjs. Everything else — the daemon, its HTTP
 * API, stream handlers, signature and CACAO verification, the state store, the sqlite index — is the published
 * code. `require()` of the ES module shares Node's module cache with the CLI's own `import`, so the CLI sees the
 * patched class.
 *
 * Also ties the daemon to the test process when MEDREC_CERAMIC_EXIT_WITH_PARENT=1: the harness holds the daemon's
 * stdin open and never writes; when the test process dies without stopping the daemon (killed, crashed), stdin
 * ends, and the daemon shuts itself down (SIGINT, as `stop()` does) and removes its temp dir (MEDREC_CERAMIC_DIR,
 * set only for a temp dir, never for a persistent state dir). A background daemon (background.ts) runs without.
 *
 * Acts only when MEDREC_CERAMIC_MEMORY_IPFS=1 (set by the harness for the daemon process): Hardhat's test runner
 * also loads this file as a test file, where it must do nothing.
 */
if (process.env.MEDREC_CERAMIC_MEMORY_IPFS === '1') {
  if ((process.env.IPFS_FLAVOR || 'rust') !== 'go') {
    throw new Error('inject-memory-ipfs: set IPFS_FLAVOR=go (the ceramic-one/Recon path needs a real ceramic-one)')
  }
  const { IpfsConnectionFactory } = require('@ceramicnetwork/cli/lib/ipfs-connection-factory.js')
  const { createMemoryIpfs } = require('./memory-ipfs.cjs')
  // MEDREC_CERAMIC_BLOCKS_DIR: keep blocks and pins on disk there (a daemon with a persistent state dir).
  IpfsConnectionFactory.buildIpfsConnection = async () => createMemoryIpfs({ blocksDir: process.env.MEDREC_CERAMIC_BLOCKS_DIR || undefined })

  if (process.env.MEDREC_CERAMIC_EXIT_WITH_PARENT === '1') {
    let orphaned = false
    process.stdin.on('end', () => {
      orphaned = true
      process.kill(process.pid, 'SIGINT')
      setTimeout(() => process.exit(1), 10_000).unref()
    })
    process.stdin.on('error', () => process.stdin.emit('end'))
    process.stdin.resume()
    process.on('exit', () => {
      const dir = process.env.MEDREC_CERAMIC_DIR
      if (orphaned && dir) require('node:fs').rmSync(dir, { recursive: true, force: true })
    })
  }
}
