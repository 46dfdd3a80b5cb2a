// Types for scripts/catalog.mjs (imported by test/catalog and test/kurator).
export declare const TASK_NAME: string;
export declare const TASK_FILE: string;
export declare const RBAC_FILE: string;
export declare const KURATOR_DIR: string;
export declare const HAND_WRITTEN: Set<string>;
export interface GeneratedFile {
  content: string;
  executable: boolean;
}
export declare function renderCatalog(root: string): Promise<Map<string, GeneratedFile>>;
export declare function existingGeneratedPaths(root: string): Promise<string[]>;
export declare function pinImage(root: string, ref: string): Promise<void>;
