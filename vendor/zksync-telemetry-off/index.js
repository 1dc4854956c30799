'use strict';
// The upstream package is only published as a GitHub tarball, which cannot be fetched on
// machines that reach nothing but the npm registry. medrec sends no telemetry, so this
// stand-in keeps the same surface and does nothing.
class Telemetry {
  static initialize() {
    return new Telemetry();
  }
  trackEvent() {}
  trackError() {}
  async shutdown() {}
}
module.exports = { Telemetry };
