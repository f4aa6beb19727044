// The layers of the code and the rules between them (ADR 0032), checked by
// dependency-cruiser in `npm test` (scripts/setup.mjs, beside lint):
//
//   npx depcruise server federation media config test --config .dependency-cruiser.cjs
//
// Layers, bottom to top. A module may import its own layer's files and any
// layer below it, never one above; the members of a layer marked `peers: false`
// do not import each other either. Test code (`*.test.ts`, `test-fixtures/`,
// `test/`) may import anything; nothing else may import test code.

/** Bottom to top. */
const LAYERS = [
  { name: 'core', paths: ['^server/core/'] },
  { name: 'config', paths: ['^config/'] },
  { name: 'store', paths: ['^server/store/'] },
  { name: 'media', paths: ['^media/'] },
  { name: 'accounts', paths: ['^server/accounts/'] },
  { name: 'rooms', paths: ['^server/rooms/'] },
  { name: 'federation', paths: ['^federation/'] },
  // Reserved for the moderation module: above the domain modules it acts on.
  { name: 'moderation', paths: ['^server/moderation/'] },
  { name: 'transports', peers: false, paths: ['^server/http/', '^server/signaling/', '^server/web/(?!client/)', '^server/admin/'] },
  { name: 'composition root', paths: ['^server/(composition-root|instance|main)\\.ts$'] },
];

/** Modules reached from outside only through their `index.ts` (ADR 0032). */
const MODULES_WITH_INDEX = ['config', 'server/store', 'media', 'server/accounts', 'server/rooms', 'server/signaling', 'federation'];

// The durability children are processes the durability tests spawn and kill.
const TEST_CODE = ['\\.test\\.ts$', '/test-fixtures/', '^test/', '/durability-child\\.ts$'];
const WEB_CLIENT = '^server/web/client/';

const layerRules = [];
LAYERS.forEach((layer, i) => {
  const above = LAYERS.slice(i + 1).flatMap((l) => l.paths);
  if (above.length > 0) {
    layerRules.push({
      name: `layer-${layer.name.replace(/ /g, '-')}`,
      comment: `${layer.name} imports only its own layer and the layers below it (${LAYERS.slice(0, i).map((l) => l.name).join(', ') || 'none'})`,
      severity: 'error',
      from: { path: layer.paths, pathNot: TEST_CODE },
      to: { path: above },
    });
  }
  if (layer.peers === false) {
    for (const own of layer.paths) {
      layerRules.push({
        name: `layer-${layer.name}-no-peers`,
        comment: `the ${layer.name} are side by side: none imports another`,
        severity: 'error',
        from: { path: own, pathNot: TEST_CODE },
        to: { path: layer.paths.filter((p) => p !== own), pathNot: TEST_CODE },
      });
    }
  }
});

const modules = `(${MODULES_WITH_INDEX.join('|')})`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no cycles, type-only imports included',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'through-the-index',
      comment: `a module is reached from outside only through its index.ts (${MODULES_WITH_INDEX.join(', ')})`,
      severity: 'error',
      from: { path: '^(server/[a-z-]+|federation|media|config)', pathNot: TEST_CODE },
      to: { path: `^${modules}/`, pathNot: ['^$1/', `^${modules}/index\\.ts$`] },
    },
    {
      name: 'every-file-in-a-layer',
      comment: 'a new folder is placed in a layer on purpose (add it to LAYERS)',
      severity: 'error',
      from: { path: '^(server|federation|media|config)/', pathNot: [...LAYERS.flatMap((l) => l.paths), ...TEST_CODE, WEB_CLIENT] },
      to: {},
    },
    {
      name: 'not-to-test-code',
      comment: 'only tests import test helpers and fixtures',
      severity: 'error',
      from: { pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
    {
      name: 'web-client-stands-alone',
      comment: 'the browser client (its own tsconfig) imports nothing of the server, and the server nothing of it',
      severity: 'error',
      from: { path: WEB_CLIENT },
      to: { pathNot: [WEB_CLIENT, '^node_modules/'] },
    },
    {
      name: 'server-not-to-web-client',
      severity: 'error',
      from: { pathNot: [WEB_CLIENT, ...TEST_CODE] },
      to: { path: WEB_CLIENT },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    includeOnly: '^(server|federation|media|config|test)/',
    exclude: { path: '^(dist|node_modules)/|\\.mjs$' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: {
      archi: { collapsePattern: '^(server/[a-z-]+|federation|media|config|test)/' },
      dot: { collapsePattern: '^(server/[a-z-]+|federation|media|config|test)/' },
    },
  },
};

// For scripts/layer-graph.mjs (not enumerable: dependency-cruiser validates the keys it knows).
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS });
Object.defineProperty(module.exports, 'TEST_CODE', { value: TEST_CODE });
