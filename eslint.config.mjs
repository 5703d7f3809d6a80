import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', '.serverless/', '.esbuild/', '.greenlight/', 'bench/results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The domain is pure: no AWS SDK, no I/O, no adapters, rehearsal, entry points or test code.
    // Patterns match at any depth, so shared/domain/gate/x.ts importing '../../aws/y' is caught.
    files: ['shared/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@aws-sdk/*',
            'aws-sdk',
            'aws-sdk-client-mock*',
            'node:*',
            'fs',
            'fs/*',
            'http',
            'https',
            'net',
            'child_process',
            'path',
            'os',
            '**/aws',
            '**/aws/**',
            '**/local',
            '**/local/**',
            '**/functions/**',
            '**/bin/**',
            '**/test/**',
          ],
        },
      ],
    },
  },
  {
    // Test doubles and the SDK mocking library (a devDependency) stay out of the product. A rule
    // name of its own, so it adds to the domain's no-restricted-imports instead of replacing it.
    files: ['shared/**/*.ts', 'functions/**/*.ts', 'bin/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: ['aws-sdk-client-mock', 'aws-sdk-client-mock-jest', '**/test/**'] },
      ],
    },
  },
);
