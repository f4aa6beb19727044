import type { SfuPoint } from './sfu-point.js';

/**
 * A small SVG line chart: listeners against worker CPU load (left axis) and
 * loss % (right axis), both variants, for the SRTP plain-transport series
 * and (thin lines with dots) the WebRTC listeners' series.
 */
export function sfuChart(points: readonly SfuPoint[], webrtc: readonly SfuPoint[] = []): string {
  const W = 640;
  const H = 360;
  const m = { l: 56, r: 56, t: 28, b: 44 };
  const every = [...points, ...webrtc];
  const maxX = Math.max(1, ...every.map((p) => p.listeners));
  const maxCpu = Math.max(1, ...every.map((p) => p.cpuLoad));
  const maxLoss = Math.max(1, ...every.map((p) => (Number.isFinite(p.lossPercent) ? p.lossPercent : 0)));
  const x = (v: number): number => m.l + (v / maxX) * (W - m.l - m.r);
  const yl = (v: number): number => H - m.b - (v / maxCpu) * (H - m.t - m.b);
  const yr = (v: number): number => H - m.b - (v / maxLoss) * (H - m.t - m.b);
  const line = (variant: SfuPoint['variant'], y: (p: SfuPoint) => number, color: string, dash: string, from = points): string => {
    const own = from.filter((p) => p.variant === variant);
    const pts = own.map((p) => `${x(p.listeners).toFixed(1)},${y(p).toFixed(1)}`);
    const thin = from === webrtc;
    const dots = thin ? own.map((p) => `<circle cx="${x(p.listeners).toFixed(1)}" cy="${y(p).toFixed(1)}" r="3" fill="${color}"/>`).join('') : '';
    return pts.length ? `<polyline fill="none" stroke="${color}" stroke-width="${thin ? 1 : 2}" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${pts.join(' ')}"/>${dots}` : '';
  };
  const loss = (p: SfuPoint): number => yr(Number.isFinite(p.lossPercent) ? p.lossPercent : 0);
  const text = (tx: number, ty: number, s: string, anchor = 'middle'): string => `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" text-anchor="${anchor}" font-size="12" font-family="sans-serif">${s}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${W - m.r}" y1="${m.t}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    text(W / 2, H - 10, 'listeners (3 speakers each)'),
    text(m.l, m.t - 10, `worker CPU (cores), max ${maxCpu.toFixed(2)}`, 'start'),
    text(W - m.r, m.t - 10, `loss %, max ${maxLoss.toFixed(2)}`, 'end'),
    text(m.l, H - m.b + 16, '0'),
    text(W - m.r, H - m.b + 16, String(maxX)),
    line('hearth', (p) => yl(p.cpuLoad), '#c0392b', ''),
    line('bare', (p) => yl(p.cpuLoad), '#2c3e50', ''),
    line('hearth', (p) => yr(Number.isFinite(p.lossPercent) ? p.lossPercent : 0), '#c0392b', '6 4'),
    line('bare', (p) => yr(Number.isFinite(p.lossPercent) ? p.lossPercent : 0), '#2c3e50', '6 4'),
    line('hearth', (p) => yl(p.cpuLoad), '#c0392b', '', webrtc),
    line('bare', (p) => yl(p.cpuLoad), '#2c3e50', '', webrtc),
    line('hearth', loss, '#c0392b', '6 4', webrtc),
    line('bare', loss, '#2c3e50', '6 4', webrtc),
    text(m.l + 10, m.t + 14, 'red: Hearth, dark: bare mediasoup; solid: CPU, dashed: loss', 'start'),
    webrtc.length ? text(m.l + 10, m.t + 30, 'thick: SRTP plain-transport listeners; thin, dotted: WebRTC (wrtc)', 'start') : '',
    '</svg>',
    '',
  ].join('\n');
}
