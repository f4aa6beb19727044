/** One measured point of the SFU sweep (its own file: the chart and the sweep both use it). */
export interface SfuPoint {
  variant: 'hearth' | 'bare';
  listeners: number;
  consumers: number;
  seconds: number;
  forwardedPerSecond: number;
  cpuUsPerPacket: number;
  /** Share of the worker's one core in use. */
  cpuLoad: number;
  lossPercent: number;
  jitterMs: number;
  workerRssMb: number;
  workerIdleRssMb: number;
}
