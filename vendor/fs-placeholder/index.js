'use strict'
// medrec: stand-in for the npm placeholder package "fs" (see package.json). The builtin is what is used.
module.exports = require('node:fs')
