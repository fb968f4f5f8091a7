# Sourced by every dyno after the buildpacks' .profile.d scripts, as on Heroku.
export GREETING_FROM_PROFILE="set by .profile"
