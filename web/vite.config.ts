import { defineConfig } from 'vitest/config'
import react from '@vitejs/plugin-react'

// Dev server proxies the API and the Phoenix socket to a local `confab serve` on port 4000.
// Tests default to the node environment; component tests opt into jsdom with a file comment.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:4000',
      '/socket': { target: 'http://127.0.0.1:4000', ws: true },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
})
