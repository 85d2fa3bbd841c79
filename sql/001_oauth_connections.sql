-- The heart of igconnect: the table exactly as seed 000 defines it.
-- Names are unquoted (PostgreSQL folds them to lower case), so the seed
-- apps' own queries keep working.  Every write of a connection is one
-- INSERT ... ON CONFLICT (userId, provider) DO UPDATE.
CREATE TABLE oauth_connections (
  id UUID PRIMARY KEY,
  userId UUID NOT NULL,
  provider VARCHAR(50) NOT NULL,
  providerUserId VARCHAR(255) NOT NULL,
  accessToken TEXT NOT NULL,
  refreshToken TEXT,
  expiresAt TIMESTAMP,
  businessAccountId VARCHAR(255),
  scopes TEXT[],
  metadata JSONB,
  createdAt TIMESTAMP DEFAULT NOW(),
  updatedAt TIMESTAMP DEFAULT NOW(),
  UNIQUE(userId, provider)
);
