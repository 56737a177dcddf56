CREATE TABLE "cache_generations" (
	"scope" text NOT NULL,
	"guild_id" text NOT NULL,
	"generation" bigint NOT NULL,
	CONSTRAINT "cache_generations_scope_guild_id_pk" PRIMARY KEY("scope","guild_id")
);
--> statement-breakpoint
CREATE INDEX "cache_generations_generation" ON "cache_generations" USING btree ("generation");