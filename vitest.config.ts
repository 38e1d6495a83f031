import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Examples import "brainfit" and "brainfit/<area>" as users do; here they are the sources (tsconfig.json paths).
  resolve: {
    alias: [
      { find: /^brainfit$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      { find: /^brainfit\/(io|stats|optim|models|sim|fit)$/, replacement: fileURLToPath(new URL("./src/$1/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    setupFiles: ["test/setup.ts"],
  },
});
