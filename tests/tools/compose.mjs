// Composes subgraph SDLs with Apollo's reference composer, for cross-checking ours.
// stdin: JSON [{"name", "url", "sdl"}]. stdout: the supergraph SDL (exit 0), or
// JSON {"errors": [{"code", "message"}]} (exit 1).
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const services = JSON.parse(await readStdin()).map((s) => ({
  name: s.name,
  url: s.url,
  typeDefs: parse(s.sdl),
}));
const result = composeServices(services);
if (result.errors && result.errors.length > 0) {
  const errors = result.errors.map((e) => ({
    code: e.extensions?.code ?? null,
    message: e.message,
  }));
  process.stdout.write(JSON.stringify({ errors }, null, 2) + "\n");
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
