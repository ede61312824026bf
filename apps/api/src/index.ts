import { main } from './main.ts'

// `bun run start`, the container and the compiled binary: the configuration comes from the environment and `.env`.
await main()
