// Store records and verbs of identities beyond projects: users, access keys, and server settings.

export interface UserRecord {
  id: string;
  projectId: string;
  name: string;
  /** `scrypt$...` (src/auth/password.ts); never the password. */
  passwordHash: string;
  createdAt: number;
}

export type AccessKeyStatus = 'active' | 'disabled';

export interface AccessKeyRecord {
  access: string;
  projectId: string;
  /** The SK sealed by SecretBox (AES-256-GCM, bound to the AK); never the SK in clear. */
  sealedSecret: string;
  status: AccessKeyStatus;
  description: string;
  createdAt: number;
}

export interface UserRepo {
  create(u: UserRecord): Promise<void>;
  get(id: string): Promise<UserRecord | undefined>;
  findByName(projectId: string, name: string): Promise<UserRecord | undefined>;
  list(projectId?: string): Promise<UserRecord[]>;
  /** Deletes the user and, by cascade, its tokens; false when there was none. */
  delete(id: string): Promise<boolean>;
}

export interface AccessKeyRepo {
  create(k: AccessKeyRecord): Promise<void>;
  get(access: string): Promise<AccessKeyRecord | undefined>;
  list(projectId?: string): Promise<AccessKeyRecord[]>;
  count(): Promise<number>;
  setStatus(access: string, status: AccessKeyStatus): Promise<boolean>;
  delete(access: string): Promise<boolean>;
}

/** Small server-wide values (the fingerprint of the secret key the SKs are sealed with). */
export interface SettingRepo {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
}

/** What a project still holds that keeps it from being deleted (users, keys and tokens go with it). */
export interface ProjectUsage {
  vpcs: number;
  endpoints: number;
}

export interface IdentityRepos {
  users: UserRepo;
  accessKeys: AccessKeyRepo;
  settings: SettingRepo;
  projectAdmin: {
    usage(projectId: string): Promise<ProjectUsage>;
    /** Deletes the project with its users, keys and tokens; false when there was none. */
    delete(projectId: string): Promise<boolean>;
  };
}
