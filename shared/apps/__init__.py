"""How an app plugs into Mateway: its manifest, the app factory and the skill registry.

manifest        AppManifest (app.yml): name, version, skills (cost, role, providers), settings
factory         create_app(app_dir) -> AppBundle (schema, skills, ASGI app), discover_apps
skills          SkillRegistry and SkillInfo (input JSON Schema, cost, role), skill_directives
skill_fields    the check that app.yml's skills and the schema's root fields match
input_schema    JSON Schema of GraphQL input types
serve           serve_app: `python -m subgraphs.<app>` on uvicorn with JSON logs
sync_supergraph `python -m shared.apps.sync_supergraph`: add discovered apps to supergraph.yaml

See docs/app-developer-guide.md.
"""
