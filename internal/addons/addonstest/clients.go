package addonstest

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// Postgres is a Client that uses pgx; keys live in a table kv.
var Postgres Client = pgClient{}

// Redis is a Client that uses go-redis, one connection per Conn and no retries.
var Redis Client = redisClient{}

// RedisTLS is Redis for rediss:// URLs, verifying the server against roots.
func RedisTLS(roots *x509.CertPool) Client { return redisClient{roots: roots} }

type pgClient struct{}

func (pgClient) Open(ctx context.Context, url string) (Conn, error) {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS kv (k text PRIMARY KEY, v text NOT NULL)`); err != nil {
		c.Close(ctx)
		return nil, err
	}
	return pgConn{c}, nil
}

type pgConn struct{ c *pgx.Conn }

func (p pgConn) Set(ctx context.Context, key, value string) error {
	_, err := p.c.Exec(ctx, `INSERT INTO kv VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = $2`, key, value)
	return err
}

func (p pgConn) Get(ctx context.Context, key string) (string, error) {
	var v string
	err := p.c.QueryRow(ctx, `SELECT v FROM kv WHERE k = $1`, key).Scan(&v)
	return v, err
}

func (p pgConn) Close() error { return p.c.Close(context.Background()) }

type redisClient struct{ roots *x509.CertPool }

func (r redisClient) Open(ctx context.Context, url string) (Conn, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	if opt.TLSConfig != nil {
		opt.TLSConfig.RootCAs = r.roots
	}
	opt.MaxRetries = -1
	opt.PoolSize = 1
	rdb := redis.NewClient(opt)
	c := rdb.Conn()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		rdb.Close()
		return nil, err
	}
	return redisConn{rdb, c}, nil
}

type redisConn struct {
	rdb *redis.Client
	c   *redis.Conn
}

func (r redisConn) Set(ctx context.Context, key, value string) error {
	return r.c.Set(ctx, key, value, 0).Err()
}

func (r redisConn) Get(ctx context.Context, key string) (string, error) {
	return r.c.Get(ctx, key).Result()
}

func (r redisConn) Close() error { return errors.Join(r.c.Close(), r.rdb.Close()) }
