import { workspacePackageConfig } from '../../vitest.workspace-package.js';

export default workspacePackageConfig();
