/**
 * The one HTML shell of the browser client: every page (landing, personas,
 * hallway, people, rooms, deletion receipts) is this document with the
 * bundled script and stylesheet; the script renders the page for the path.
 * No inline script or style, nothing from another origin (the
 * Content-Security-Policy set in server/http/app.ts forbids both).
 */

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderShell(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/client.css">
</head>
<body>
<div id="app"><main><h1>${escape(title)}</h1><p>Loading…</p><noscript><p>This page needs JavaScript: the client runs in your browser and talks only to this server.</p></noscript></main></div>
<script type="module" src="/assets/client.js"></script>
</body>
</html>
`;
}

/** The favicon: a small hearth flame, served from here (no 404 on every page). */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#3b1f0e"/><path d="M32 8c4 10 16 16 16 30a16 16 0 0 1-32 0c0-8 4-12 8-16 0 6 3 9 6 9-2-9 2-16 2-23z" fill="#f59e0b"/><path d="M32 34c3 4 7 6 7 11a7 7 0 0 1-14 0c0-4 4-6 7-11z" fill="#fde68a"/></svg>
`;
