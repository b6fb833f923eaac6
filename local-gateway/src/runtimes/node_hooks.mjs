// Module hooks for local-gateway's Node.js bootstrap: a bare specifier that Node's ES module
// resolution does not find is looked for in each NODE_PATH folder (the layers, then the AWS SDK),
// as Lambda lets ES module handlers import from layers.
import { pathToFileURL } from "node:url";
import path from "node:path";

let parents = [];
export function initialize(folders) {
  // A module inside the folder, so resolution starts at its node_modules parent.
  parents = folders.map((folder) => pathToFileURL(path.join(folder, "..", "local-gateway.mjs")).href);
}

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const bare = !/^(\.|\/|[a-z]+:)/i.test(specifier);
    if (!bare || error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
    for (const parentURL of parents) {
      try {
        return await next(specifier, { ...context, parentURL });
      } catch {}
    }
    throw error;
  }
}
