/** The app's entry: global styles, the state, the root component. */
import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { AppState } from "./state.svelte.ts";

const app = new AppState();
mount(App, { target: document.getElementById("app")!, props: { app } });
