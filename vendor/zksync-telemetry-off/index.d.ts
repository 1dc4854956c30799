export declare class Telemetry {
  static initialize(...args: unknown[]): Telemetry;
  trackEvent(name: string, properties?: Record<string, unknown>): void;
  trackError(error: Error, properties?: Record<string, unknown>): void;
  shutdown(): Promise<void>;
}
