'use strict'
/**
 * On-disk block and pin files for memory-ipfs.cjs, so a daemon started on the same directory again finds the
 * blocks (commits, CACAOs, model definitions) its state store points at.
 *
 * Layout below `dir` (created 0700; files 0600):
 *   blocks/<shard>/<cid>   the block's bytes; <cid> is the CIDv1 string, <shard> its next-to-last two characters
 *                          (kubo's `next-to-last/2` sharding), so no directory holds more than ~1/1000 of the blocks
 *   pins/<cid>             an empty file per pinned CID
 * Every file is written to a temporary file in the same directory, fsync'ed, then renamed into place: a reader
 * (or a daemon killed mid-write) sees the whole block or none. Reads are synchronous: the block layer resolves IPLD
 * paths synchronously, and blocks are small.
 *
 * CommonJS with no dependencies, like memory-ipfs.cjs. Loading this file has no side effects.
 */
const fs = require('node:fs')
const path = require('node:path')
const { randomBytes } = require('node:crypto')

/** A CID string safe as a file name (base32/base36/base58 multibase text): letters and digits only. */
function checkName (cid) {
  if (typeof cid !== 'string' || !/^[0-9A-Za-z]{8,200}$/.test(cid)) throw new Error(`block-files: not a CID string: ${String(cid).slice(0, 80)}`)
  return cid
}

/** Writes `bytes` to `file` atomically (temp file in the same directory, fsync, rename), mode 0600. */
async function writeAtomic (file, bytes) {
  const dir = path.dirname(file)
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 })
  const tmp = path.join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`)
  const handle = await fs.promises.open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await fs.promises.rename(tmp, file)
  } catch (error) {
    await fs.promises.rm(tmp, { force: true })
    throw error
  }
}

/**
 * The block and pin files below `dir` (created if missing).
 * @param {string} dir
 */
function openBlockFiles (dir) {
  const blocksDir = path.join(dir, 'blocks')
  const pinsDir = path.join(dir, 'pins')
  fs.mkdirSync(blocksDir, { recursive: true, mode: 0o700 })
  fs.mkdirSync(pinsDir, { recursive: true, mode: 0o700 })
  const blockFile = (cid) => path.join(blocksDir, checkName(cid).slice(-3, -1), cid)

  return {
    /** The bytes of block `cid`, or undefined when there is no such file. */
    readBlock (cid) {
      try {
        return new Uint8Array(fs.readFileSync(blockFile(cid)))
      } catch (error) {
        if (error.code === 'ENOENT') return undefined
        throw error
      }
    },
    /** Stores block `cid` (a no-op when its file exists: content-addressed). */
    async writeBlock (cid, bytes) {
      const file = blockFile(cid)
      if (fs.existsSync(file)) return
      await writeAtomic(file, bytes)
    },
    /** The pinned CIDs. */
    readPins () {
      return fs.readdirSync(pinsDir).filter((name) => !name.startsWith('.'))
    },
    async addPin (cid) {
      const file = path.join(pinsDir, checkName(cid))
      if (!fs.existsSync(file)) await writeAtomic(file, new Uint8Array(0))
    },
    async removePin (cid) {
      await fs.promises.rm(path.join(pinsDir, checkName(cid)), { force: true })
    }
  }
}

module.exports = { openBlockFiles }
