/** One measured point of the SFU sweep (its own file: the chart and the sweep both use it). */
export interface SfuPoint {
  variant: 'hearth' | 'bare';
  listeners: number;
  consumers: number;
  /** Routers (one per worker) the room ran on. */
  routers: number;
  seconds: number;
  forwardedPerSecond: number;
  cpuUsPerPacket: number;
  /** Cores' worth of worker CPU in use (the room's workers together). */
  cpuLoad: number;
  lossPercent: number;
  jitterMs: number;
  workerRssMb: number;
  workerIdleRssMb: number;
}
