// Composes several subgraph sets with Apollo's composeServices in one Node process.
// stdin: JSON {"toolsDir": "...", "sets": {"<id>": [{"name", "url", "sdl"}]}}.
// stdout: JSON {"<id>": {"supergraph": "..."} | {"codes": ["..."]} | {"failure": "..."}}.
const { createRequire } = require("node:module");
const path = require("node:path");

let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const { toolsDir, sets } = JSON.parse(input);
  const toolsRequire = createRequire(path.join(toolsDir, "package.json"));
  const { composeServices } = toolsRequire("@apollo/composition");
  const { parse } = toolsRequire("graphql");
  const results = {};
  for (const [id, subgraphs] of Object.entries(sets)) {
    try {
      const services = subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
      const result = composeServices(services);
      results[id] = result.errors
        ? { codes: result.errors.map((e) => (e.extensions && e.extensions.code) || null), messages: result.errors.map((e) => e.message) }
        : { supergraph: result.supergraphSdl };
    } catch (error) {
      results[id] = { failure: String(error) };
    }
  }
  process.stdout.write(JSON.stringify(results));
});
