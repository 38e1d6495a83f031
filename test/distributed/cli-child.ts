// The brainfit CLI from source, as a child process of the distributed tests (bundled by harness.ts).
import { main } from "../../src/cli/main.ts";

process.exitCode = await main(process.argv.slice(2));
